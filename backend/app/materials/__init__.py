"""Materials uploaded with an application: encrypted blobs, their checks, the
citizen's upload capability and the staff views (see backend/README.md, "Materials")."""
