"""The REST API of the Ticket aggregate: adapters from HTTP to workorders.services/selectors."""
