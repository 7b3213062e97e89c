"""Local stand-ins for remote services, run as real HTTP servers in a background thread."""
