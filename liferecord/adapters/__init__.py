"""Department source adapters: the demo exchange's data sets, and real HTTP endpoints."""
