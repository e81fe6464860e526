"""The service process: `scenari serve`, its background jobs, probes and logs."""
