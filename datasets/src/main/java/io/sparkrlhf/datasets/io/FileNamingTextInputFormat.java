package io.sparkrlhf.datasets.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;

/**
 * Hadoop's {@link TextInputFormat} whose reader names the file when reading it fails. Inside a
 * corrupt or truncated compressed file Hadoop's decoders fail naming nothing (bzip2:
 * {@code stream corrupted}, {@code crc error}, {@code ArrayIndexOutOfBoundsException: Index 900000};
 * gzip: {@code Unexpected end of input stream}); this reader rethrows such a failure as an
 * {@link UnreadableFileException} naming the file and where reading stopped.
 */
public final class FileNamingTextInputFormat extends TextInputFormat {
  @Override
  public RecordReader<LongWritable, Text> createRecordReader(InputSplit split, TaskAttemptContext context) {
    return new Naming(super.createRecordReader(split, context), ((FileSplit) split).getPath(),
        ((FileSplit) split).getStart());
  }

  private static final class Naming extends RecordReader<LongWritable, Text> {
    private final RecordReader<LongWritable, Text> lines;
    private final Path file;
    private final long splitStart;
    private long lastOffset = -1;

    Naming(RecordReader<LongWritable, Text> lines, Path file, long splitStart) {
      this.lines = lines;
      this.file = file;
      this.splitStart = splitStart;
    }

    @Override
    public void initialize(InputSplit split, TaskAttemptContext context) throws IOException, InterruptedException {
      try {
        lines.initialize(split, context);
      } catch (InterruptedIOException | ClosedByInterruptException e) { // a cancelled task, not a bad file
        throw e;
      } catch (IOException | RuntimeException e) {
        throw unreadable(e);
      }
    }

    @Override
    public boolean nextKeyValue() throws IOException, InterruptedException {
      try {
        boolean more = lines.nextKeyValue();
        if (more) {
          lastOffset = lines.getCurrentKey().get();
        }
        return more;
      } catch (InterruptedIOException | ClosedByInterruptException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw unreadable(e);
      }
    }

    @Override
    public LongWritable getCurrentKey() throws IOException, InterruptedException {
      return lines.getCurrentKey();
    }

    @Override
    public Text getCurrentValue() throws IOException, InterruptedException {
      return lines.getCurrentValue();
    }

    @Override
    public float getProgress() throws IOException, InterruptedException {
      return lines.getProgress();
    }

    @Override
    public void close() throws IOException {
      lines.close();
    }

    private UnreadableFileException unreadable(Exception e) {
      String where = lastOffset < 0 ? "in the part starting at byte " + splitStart
          : "after the line at offset " + lastOffset;
      return new UnreadableFileException(file.toString(), "cannot read " + file + " " + where + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage()
          + "\nthe file is corrupt or truncated: download or extract it again", e);
    }
  }
}
