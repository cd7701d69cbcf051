"""``python -m enableframe``."""

from enableframe.cli import main

if __name__ == "__main__":
    main()
