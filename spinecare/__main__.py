from spinecare.cli import main

main()
