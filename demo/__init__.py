"""The demo: fictional Zhuzhou data, the demo data exchange, and the embedded default.

Never imported by product code (app, resolvers, schema, the domains, kit, infra) and
never in the image: the demo's providers are injected (``demo.providers``).
"""
