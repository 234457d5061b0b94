"""newswatch's versions of Scrapy commands (COMMANDS_MODULE in newswatch/settings.py)."""
