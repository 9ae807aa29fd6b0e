"""Recovery drivers of the engine, loaded from the ``masakari.driver`` entry
points."""
