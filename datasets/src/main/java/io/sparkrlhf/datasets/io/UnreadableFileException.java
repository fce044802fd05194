package io.sparkrlhf.datasets.io;

/**
 * A data file that cannot be read, most often because its bytes are damaged (a corrupt or truncated
 * compressed dump, a Parquet page whose checksum does not match), raised with the file's name where
 * the underlying library names nothing. Thrown inside Spark tasks; it reaches the driver as the
 * cause of the job's failure.
 */
public final class UnreadableFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;

  public UnreadableFileException(String path, String message, Throwable cause) {
    super(message, cause);
    this.path = path;
  }

  public String path() {
    return path;
  }
}
