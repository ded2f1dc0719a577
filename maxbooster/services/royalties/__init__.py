"""Royalties: splits per release track (invitations by email, recoupment), distributor statement
import (a generic CSV and real-world layouts, streamed, idempotent) and the ledger per collaborator."""
