from gongkai_cli.launch import main

main()
