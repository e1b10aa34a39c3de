"""Development tools (the local WeChat simulator: tools.wechat_sim)."""
