"""PyInstaller entry point of the windowed app (``odnix-desktop``)."""

from odnix_desktop.app import main

raise SystemExit(main())
