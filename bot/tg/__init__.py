"""The Telegram adapter: the only package that imports `telegram`. Entry point: bot.tg.app.run_bot."""
