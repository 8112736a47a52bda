"""The service desk's cases (complaints and feedback): their life cycle declared as data, reply
and resolution deadlines, the logistics watch that opens cases, and the verbs agents use."""
