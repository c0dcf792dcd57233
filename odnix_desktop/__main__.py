from odnix_desktop.cli import main

raise SystemExit(main())
