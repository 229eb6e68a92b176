"""The simulation model: random streams, population, hazards, calendar, spells and the engine."""
