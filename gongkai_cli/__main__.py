from gongkai_cli.cli import app

app()
