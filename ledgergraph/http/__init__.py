"""The aiohttp glue: thin adapters from HTTP and WebSocket onto the framework-free core."""
