package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.common.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void theEnginesMessageIsShownWithoutWrappersOrClassNames() {
        IOException e = new IOException("guest 101's config is locked by another operation; try again");
        assertThat(Errors.describe(new CompletionException(new UncheckedIOException(e))))
                .isEqualTo("guest 101's config is locked by another operation; try again");
    }

    @Test
    void aMissingFileNamesTheFileAndTheReason() {
        assertThat(Errors.describe(new NoSuchFileException("/x/fast", null, "directory of storage 'fast' is missing")))
                .isEqualTo("directory of storage 'fast' is missing (/x/fast)");
        assertThat(Errors.describe(new NoSuchFileException("/x/y"))).isEqualTo("file not found: /x/y");
    }

    @Test
    void anExceptionWithoutAMessageSaysWhatHappenedInWords() {
        assertThat(Errors.describe(new NullPointerException())).isEqualTo("unexpected error (NullPointerException)");
    }
}
