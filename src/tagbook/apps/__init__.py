"""What the command line serves to users: the cross-lingual annotator, the map index and the
toy search model. ``tagbook.cli`` only parses arguments, calls these and prints."""
