package io.sparkrlhf.model.checkpoint;

import java.util.Locale;

/** The safetensors element types this project reads and writes; floats convert to and from float32. */
public enum DType {
  F32(4),
  F16(2),
  BF16(2);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  /** Parses a header's dtype; the message names what was found and where. */
  static DType of(String name, String where) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          where + ": dtype " + name + " is not supported (F32, F16 and BF16 are)", e);
    }
  }
}
