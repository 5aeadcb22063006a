// The venue protocol and its values are part of this module's interface: an engine that imports
// FlotillaLive speaks `Venue`, `OrderRequest` and `VenueError` without importing the adapters.
@_exported import FlotillaVenues
