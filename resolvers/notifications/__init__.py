"""The notifications domain's queries, mutations and subscriptions."""
