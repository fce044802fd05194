package io.sparkrlhf.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Damages files as storage does (bit rot, a bad copy), and removes Hadoop's {@code .crc} side file
 * so that only the file's own checks can notice, as on S3, which has none.
 */
public final class DamagedFiles {
  private DamagedFiles() {}

  /** Flips 40 bytes in the middle of a compressed dump. */
  public static void corruptMiddle(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      for (int i = bytes.length / 2; i < bytes.length / 2 + 40; i++) {
        bytes[i] ^= 0x5a;
      }
      Files.write(file, bytes);
      deleteCrc(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Flips one bit half-way into {@code column}'s first data page (past its dictionary page and
   * page header) in the first Parquet file of {@code table}; returns that file.
   */
  public static Path flipBitInDataPage(Path table, String column) {
    try {
      Path part;
      try (Stream<Path> files = Files.list(table)) {
        part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().findFirst()
            .orElseThrow(() -> new IllegalStateException("no Parquet file in " + table));
      }
      long position = -1;
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
          new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
        for (ColumnChunkMetaData c : reader.getFooter().getBlocks().get(0).getColumns()) {
          if (c.getPath().toDotString().startsWith(column + ".") || c.getPath().toDotString().equals(column)) {
            long dataStart = c.getFirstDataPageOffset();
            long end = c.getStartingPos() + c.getTotalSize();
            position = dataStart + (end - dataStart) / 2;
          }
        }
      }
      if (position < 0) {
        throw new IllegalStateException("no column " + column + " in " + part);
      }
      byte[] bytes = Files.readAllBytes(part);
      bytes[(int) position] ^= 0x01;
      Files.write(part, bytes);
      deleteCrc(part);
      return part;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteCrc(Path file) throws IOException {
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }
}
