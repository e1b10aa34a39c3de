"""Rasa input channels of the assistant (the WeChat Official Account channel: ``bot.channels.wechat``)."""
