"""Operations and handlers exercising parameter styles and request bodies."""
