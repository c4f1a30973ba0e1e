"""``python -m demo``: the embedded default and the demo data."""

from demo.cli import main

raise SystemExit(main())
