from analysis.models.cockpit import CityMap, DailyVolume, RolledUpDay  # noqa: F401
