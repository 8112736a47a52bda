"""Buyer data kept no longer than allowed: marketplace buyers' names, addresses, phone numbers
and e-mails removed after a retention period following delivery, keeping what tax needs."""
