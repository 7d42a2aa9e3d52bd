"""The registration domain in plain Python: identifiers, values, the workflow, certificates.

Nothing here imports a framework, a database or a chain client; services pass
time (aware datetimes) and centre settings in, and persist what comes out.
"""
