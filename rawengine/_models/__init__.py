"""msgspec Structs for the Engine API: request configs, typed responses, stream items.

Response models are frozen snapshots that ignore unknown fields (Podman sends many); request
models omit unset fields on the wire. Wire names are given to msgspec, attributes are snake_case.
"""
