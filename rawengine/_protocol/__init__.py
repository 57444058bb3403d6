"""Sans-IO wire decoders: bytes in, objects out. Nothing here imports anyio or httpx (a test checks)."""
