"""gongkai: a command-line checklist for a district's yearly 政务公开 task table."""

__version__ = "0.1.0"
