"""Changes we make to an order before it ships: a new ship-to address, or a cancellation that
stops the warehouse at once; and the channel's rules about which of them we may make."""
