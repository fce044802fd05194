package io.sparkrlhf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  /** A file laid out by hand from the format description, not by our writer. */
  private Path handMade(String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return Files.write(dir.resolve("hand.safetensors"), b.array());
  }

  private static byte[] littleEndian(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  @Test
  void readsAHandMadeFile() throws IOException {
    byte[] f32 = littleEndian(1.5f, -2.25f);
    byte[] bf16 = {(byte) 0x80, 0x3f, 0x00, (byte) 0xc0}; // 1.0, -2.0
    byte[] data = new byte[12];
    System.arraycopy(f32, 0, data, 0, 8);
    System.arraycopy(bf16, 0, data, 8, 4);
    Path p = handMade("{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(new float[] {1.5f, -2.25f}, f.readFloats("a"));
      assertArrayEquals(new float[] {1.0f, -2.0f}, f.readFloats("b"));
      assertArrayEquals(new long[] {1, 2}, f.info("b").shape());
      assertEquals(Map.of("format", "pt"), f.metadata());
      assertEquals(List.of("b", "a"), List.copyOf(f.tensors().keySet()));
    }
  }

  @Test
  void roundTripsEveryDtypeWithAlignedHeader() throws IOException {
    float[] values = new float[3 * 1000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.sin(i) * 100;
    }
    List<SafetensorsWriter.Tensor> tensors = List.of(
        new SafetensorsWriter.Tensor("w.f32", DType.F32, new long[] {3, 1000}, values),
        new SafetensorsWriter.Tensor("w.f16", DType.F16, new long[] {3000}, values),
        new SafetensorsWriter.Tensor("w.bf16", DType.BF16, new long[] {1000, 3}, values),
        new SafetensorsWriter.Tensor("scalar", DType.F32, new long[] {}, new float[] {7f}));
    Path p = dir.resolve("x.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of("format", "pt"));
    assertEquals(SafetensorsWriter.fileBytes(tensors, Map.of("format", "pt")), Files.size(p));
    long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8, "tensors start 8-byte aligned");
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(values, f.readFloats("w.f32"));
      float[] half = f.readFloats("w.f16");
      float[] brain = f.readFloats("w.bf16");
      for (int i = 0; i < values.length; i++) {
        assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(values[i])), half[i]);
        assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(values[i])), brain[i]);
        assertEquals(values[i], brain[i], Math.abs(values[i]) / 128 + 1e-6);
      }
      assertArrayEquals(new float[] {7f}, f.readFloats("scalar"));
    }
    assertTrue(Files.list(dir).noneMatch(x -> x.getFileName().toString().endsWith(".tmp")));
  }

  @Test
  void tensorBeyondTwoGibibytesInASparseFile() throws IOException {
    long bigBytes = 600_000_000L * 4; // 2.4 GB of F32 that is never read
    String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[600000000],\"data_offsets\":[0," + bigBytes + "]},"
        + "\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + bigBytes + "," + (bigBytes + 12) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Path p = dir.resolve("sparse.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      raf.write(h);
      raf.setLength(8 + h.length + bigBytes + 12); // sparse: no disk used for the hole
      raf.seek(8 + h.length + bigBytes);
      raf.write(littleEndian(4f, 5f, 6f));
    }
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(new float[] {4f, 5f, 6f}, f.readFloats("tail"));
      assertEquals(600_000_000L, f.info("big").elements());
    }
  }

  @Test
  void corruptFilesAreClearErrorsNamingFileAndTensor() throws IOException {
    byte[] eight = littleEndian(1f, 2f);
    assertError("too short", Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2}));
    assertError("header length", handMadeRaw(1L << 40, "{}", new byte[0]));
    assertError("not valid JSON", handMade("{nope", new byte[0]));
    assertError("dtype I64 is not supported", handMade("{\"t\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", eight));
    assertError("needs 12", handMade("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight));
    assertError("gap or overlap", handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight));
    assertError("truncated or trailing", handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight));
    Path ok = handMade("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight);
    try (SafetensorsFile f = SafetensorsFile.open(ok)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.readFloats("missing"));
      assertTrue(e.getMessage().contains("'missing'"), e.getMessage());
    }
  }

  private Path handMadeRaw(long claimedLength, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(claimedLength).put(h).put(data);
    return Files.write(dir.resolve("raw.safetensors"), b.array());
  }

  private static void assertError(String expected, Path p) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(p).close());
    assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(p.getFileName().toString()), e.getMessage());
  }
}
