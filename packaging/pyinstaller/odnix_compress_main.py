"""PyInstaller entry point of the command line (``odnix-compress``)."""

from odnix_desktop.cli import main

raise SystemExit(main())
