"""Fictional but realistic demo data for Zhuzhou (株洲)."""
