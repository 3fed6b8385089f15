# client: rules added by the part that owns it
