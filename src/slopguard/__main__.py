"""Allow ``python -m slopguard``."""

from slopguard.cli import main

if __name__ == "__main__":
    main()
