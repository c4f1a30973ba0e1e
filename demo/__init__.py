"""Demo data, seeding and the demo data exchange: never imported by product code, never in
the image."""
