package io.sparkrlhf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {
  /** binary16 by its definition, in double arithmetic: an independent reference. */
  private static double f16ByDefinition(int h) {
    int sign = (h >>> 15) & 1;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    double magnitude = exp == 0 ? mant * Math.pow(2, -24)
        : exp == 31 ? (mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
        : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
    return sign == 1 ? -magnitude : magnitude;
  }

  @Test
  void everyF16PatternDecodesByDefinitionAndEncodesBack() {
    for (int h = 0; h < 65536; h++) {
      float f = HalfFloats.f16ToFloat((short) h);
      double expected = f16ByDefinition(h);
      if (Double.isNaN(expected)) {
        assertTrue(Float.isNaN(f), "pattern " + h);
        continue;
      }
      assertEquals(expected, f, 0.0, "pattern " + Integer.toHexString(h));
      assertEquals(h, HalfFloats.floatToF16(f) & 0xffff, "round trip " + Integer.toHexString(h));
    }
  }

  @Test
  void f16RoundsToNearestEvenAndSaturates() {
    assertEquals(0x3c00, HalfFloats.floatToF16(1.0f) & 0xffff);
    assertEquals(0xc000, HalfFloats.floatToF16(-2.0f) & 0xffff);
    assertEquals(0x2e66, HalfFloats.floatToF16(0.1f) & 0xffff);
    assertEquals(0x7bff, HalfFloats.floatToF16(65504f) & 0xffff);
    assertEquals(0x7c00, HalfFloats.floatToF16(65520f) & 0xffff, "halfway to 2^16 rounds to infinity");
    assertEquals(0x0001, HalfFloats.floatToF16(0x1p-24f) & 0xffff, "smallest subnormal");
    assertEquals(0x0000, HalfFloats.floatToF16(0x1p-25f) & 0xffff, "tie rounds to even (zero)");
    assertEquals(0x0002, HalfFloats.floatToF16(3 * 0x1p-25f) & 0xffff, "tie rounds to even (two)");
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even keeps 1.
    assertEquals(0x3c00, HalfFloats.floatToF16(1f + 0x1p-11f) & 0xffff);
    assertEquals(0x3c02, HalfFloats.floatToF16(1f + 3 * 0x1p-11f) & 0xffff);
    assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(Float.NaN))));
  }

  @Test
  void everyBf16PatternRoundTripsAndTiesGoToEven() {
    for (int b = 0; b < 65536; b++) {
      float f = HalfFloats.bf16ToFloat((short) b);
      assertEquals(Float.intBitsToFloat(b << 16), f, 0.0);
      if (!Float.isNaN(f)) {
        assertEquals(b, HalfFloats.floatToBf16(f) & 0xffff);
      }
    }
    assertEquals(0x3f80, HalfFloats.floatToBf16(1.0f) & 0xffff);
    assertEquals(0x3f80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3f808000)) & 0xffff, "tie to even (down)");
    assertEquals(0x3f82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3f818000)) & 0xffff, "tie to even (up)");
    assertEquals(0x3f81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3f808001)) & 0xffff, "above the tie");
    assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
  }
}
