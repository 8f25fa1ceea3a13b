from gongkai_cli.cli import entry

entry()
