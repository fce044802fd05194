package io.sparkrlhf.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file: header (padded with spaces to a multiple of 8 bytes so every
 * tensor is aligned), then each tensor's bytes, converted from float32 to its dtype. The file
 * appears under its name only when complete (written beside it, then moved).
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /** A tensor to write: float32 values in row-major order, stored as {@code dtype}. */
  public record Tensor(String name, DType dtype, long[] shape, float[] values) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      if (n != values.length) {
        throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds " + n
            + " values, given " + values.length);
      }
    }

    long bytes() {
      return (long) values.length * dtype.bytes();
    }
  }

  /** Bytes the file will take: 8 + header + data. */
  public static long fileBytes(List<Tensor> tensors, Map<String, String> metadata) {
    return 8 + header(tensors, metadata).length + tensors.stream().mapToLong(Tensor::bytes).sum();
  }

  public static void write(Path path, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
    byte[] header = header(tensors, metadata);
    Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      out.write(header);
      ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors) {
        for (float v : t.values()) {
          if (buf.remaining() < 4) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          switch (t.dtype()) {
            case F32 -> buf.putFloat(v);
            case F16 -> buf.putShort(HalfFloats.floatToF16(v));
            case BF16 -> buf.putShort(HalfFloats.floatToBf16(v));
          }
        }
      }
      out.write(buf.array(), 0, buf.position());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte[] header(List<Tensor> tensors, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long at = 0;
    for (Tensor t : tensors) {
      if (root.has(t.name())) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' is given twice");
      }
      ObjectNode entry = root.putObject(t.name());
      entry.put("dtype", t.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(at).add(at + t.bytes());
      at += t.bytes();
    }
    byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }
}
