"""After sales: a case's reship through the warehouse, and returns (RMA) booked, received,
inspected back to stock or written off, with the refund that follows."""
