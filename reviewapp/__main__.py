"""`reviewapp` and `python -m reviewapp`: the command line, loaded when it runs.

The console script imports this module alone. An import's parser processes re-import the
script they were started from (multiprocessing does), so they load neither Flask nor click.
"""


def main() -> None:
    """Run the `reviewapp` console script."""
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
