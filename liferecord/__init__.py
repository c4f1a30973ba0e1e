"""The personal life record (个人信息库): one view over the departments' data."""
