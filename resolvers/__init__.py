"""Root operations (Query, Mutation, Subscription) and DataLoaders, by domain."""
