"""Running replications, comparing and sweeping scenarios, and the result store."""
