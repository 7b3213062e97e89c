"""File formats behind one Document/Unit interface; see :mod:`lingoflow.formats.base`."""
