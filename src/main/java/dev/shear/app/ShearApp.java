package dev.shear.app;

import dev.shear.app.archive.ArchiveDialogViews;
import dev.shear.app.archive.PruneDialogViewModel;
import dev.shear.app.archive.RestoreDialogViewModel;
import dev.shear.app.backup.BackupDialogView;
import dev.shear.app.backup.BackupDialogViewModel;
import dev.shear.app.common.Errors;
import dev.shear.app.common.FxDialogService;
import dev.shear.app.common.FxFrames;
import dev.shear.app.common.FxTaskExecutor;
import dev.shear.app.common.Icons;
import dev.shear.app.guest.RuntimeGuestHost;
import dev.shear.app.main.MainViewModel;
import dev.shear.app.main.MainWindow;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

/// The desktop app: the main window on the datacenter of [AppConfig] (creating the demo on the
/// very first start). The engine runs in this process; guests started here are served over NBD
/// with a control socket, so other Shear processes see them running.
public final class ShearApp extends Application {
    private final AppConfig config;
    private MainViewModel main;
    private MainWindow window;
    private FxFrames frames;

    /// The app as `shear` starts it (configuration from system properties).
    public ShearApp() {
        this(AppConfig.fromSystem());
    }

    /// The app on a given datacenter (tests).
    public ShearApp(AppConfig config) {
        this.config = config;
    }

    /// Starts the desktop app and returns when its last window closes (the launcher's no-argument
    /// case; keeps JavaFX out of every package but this one).
    public static void launchApp(String[] args) {
        Application.launch(ShearApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        FxDialogService dialogs = new FxDialogService(stage);
        dialogs.register(BackupDialogViewModel.class, BackupDialogView::of);
        dialogs.register(dev.shear.app.jobs.JobEditorViewModel.class, dev.shear.app.jobs.JobEditorView::of);
        dialogs.register(RestoreDialogViewModel.class, ArchiveDialogViews::restore);
        dialogs.register(PruneDialogViewModel.class, ArchiveDialogViews::prune);
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> {
            System.getLogger(ShearApp.class.getName()).log(System.Logger.Level.ERROR, "unexpected error", e);
            dialogs.showError("Something went wrong", Errors.describe(e));
        });
        frames = new FxFrames();
        main = new MainViewModel(config, new FxTaskExecutor(), dialogs, frames, RuntimeGuestHost::new);
        window = new MainWindow(main);
        Scene scene = new Scene(window.root(), 1280, 800);
        window.setDark(config.dark());
        stage.setScene(scene);
        stage.setTitle("Shear — " + config.root().path());
        for (int size : Icons.APP_SIZES) {
            stage.getIcons().add(Icons.app(size));
        }
        stage.setOnCloseRequest(e -> Platform.exit());
        stage.show();
        main.open();
    }

    @Override
    public void stop() {
        if (frames != null) {
            frames.close();
        }
        if (window != null) {
            window.dispose();
        }
        if (main != null) {
            main.close();
        }
    }

    /// The model of the main window (for tests).
    public MainViewModel model() {
        return main;
    }
}
