"""Sync notifications: polling Sage for changes and following the per-tenant event stream.

- ``service.SyncService`` -- what a process runs (``Runtime.sync``);
- ``registry`` -- live subscribers, counted per process and announced to the fleet;
- ``poller`` -- one poller per tenant across the fleet (a renewable lease), cursors in the store;
- ``state`` -- the cursor of one resource kind and how a poll advances it;
- ``follow`` -- reading a tenant's stream from a cursor: replay, then live, without a gap.
"""
