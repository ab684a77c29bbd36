"""Learn.link rules, by resource: reads and writes rows of one tenant given a session and `now`."""
